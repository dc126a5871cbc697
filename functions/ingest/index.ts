import { http } from '@google-cloud/functions-framework';
import { loadConfig } from '../../shared/config/config.js';
import { createIngestFunction } from './ingest-function.js';

http('ingest', createIngestFunction(loadConfig()));
