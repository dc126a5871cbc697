import { http } from '@google-cloud/functions-framework';
import { loadApiConfig } from '../../shared/config/function-config.js';
import { leaveRequestDomain } from '../../shared/http/leave-request-domain.js';
import { tolerateMalformedJsonBodies } from '../../shared/http/tolerate-malformed-json.js';
import { createApiFunction } from './api-function.js';

tolerateMalformedJsonBodies();
http('api', leaveRequestDomain(createApiFunction(loadApiConfig())));
