/**
 * Records a message that can never be valid, whole, with the reason (shared with every
 * Pub/Sub-triggered function: shared/rejections/record-pubsub-rejection.ts).
 */
export { recordPubSubRejection as recordRejection } from '../../shared/rejections/record-pubsub-rejection.js';
