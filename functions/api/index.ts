import { http } from '@google-cloud/functions-framework';
import { loadConfig } from '../../shared/config/config.js';
import { tolerateMalformedJsonBodies } from '../../shared/http/tolerate-malformed-json.js';
import { createApiFunction } from './api-function.js';

tolerateMalformedJsonBodies();
http('api', createApiFunction(loadConfig()));
