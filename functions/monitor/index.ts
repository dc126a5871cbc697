import { http } from '@google-cloud/functions-framework';
import { loadMonitorConfig } from '../../shared/config/function-config.js';
import { tolerateMalformedJsonBodies } from '../../shared/http/tolerate-malformed-json.js';
import { createMonitorFunction } from './monitor-function.js';

tolerateMalformedJsonBodies();
http('monitor', createMonitorFunction(loadMonitorConfig()));
