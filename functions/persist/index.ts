import { cloudEvent } from '@google-cloud/functions-framework';
import { loadConfig } from '../../shared/config/config.js';
import { createPersistFunction } from './persist-function.js';

cloudEvent('persist', createPersistFunction(loadConfig()));
