/**
 * The deployed entry point (package.json "main", built to dist/): Cloud Functions loads it and
 * calls the function named by --entry-point. Each function registers itself on import.
 */
import './ingest/index.js';
import './persist/index.js';
import './api/index.js';
