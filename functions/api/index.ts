import { http } from '@google-cloud/functions-framework';
import { loadConfig } from '../../shared/config/config.js';
import { createApiFunction } from './api-function.js';

http('api', createApiFunction(loadConfig()));
