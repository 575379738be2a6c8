/** The scenarios of 004-tenant-flood.ts on dynamodb-local: apart from the other backend's, so the two run in parallel. */
import { tenantFloodScenarios } from './004-tenant-flood.ts';

tenantFloodScenarios('dynamodb-local');
