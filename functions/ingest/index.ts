import { http } from '@google-cloud/functions-framework';
import { loadIngestConfig } from '../../shared/config/function-config.js';
import { tolerateMalformedJsonBodies } from '../../shared/http/tolerate-malformed-json.js';
import { createIngestFunction } from './ingest-function.js';

tolerateMalformedJsonBodies();
http('ingest', createIngestFunction(loadIngestConfig()));
