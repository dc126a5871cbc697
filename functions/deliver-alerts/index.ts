import { cloudEvent } from '@google-cloud/functions-framework';
import { loadDeliverAlertsConfig } from '../../shared/config/function-config.js';
import { createDeliverAlertsFunction } from './deliver-alerts-function.js';

cloudEvent('deliver-alerts', createDeliverAlertsFunction(loadDeliverAlertsConfig()));
