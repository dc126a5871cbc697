import { http } from '@google-cloud/functions-framework';
import { loadConfig } from '../../shared/config/config.js';
import { tolerateMalformedJsonBodies } from '../../shared/http/tolerate-malformed-json.js';
import { createIngestFunction } from './ingest-function.js';

tolerateMalformedJsonBodies();
http('ingest', createIngestFunction(loadConfig()));
