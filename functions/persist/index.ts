import { cloudEvent } from '@google-cloud/functions-framework';
import { loadPersistConfig } from '../../shared/config/function-config.js';
import { createPersistFunction } from './persist-function.js';

cloudEvent('persist', createPersistFunction(loadPersistConfig()));
