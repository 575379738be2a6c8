/**
 * The dashboard against one `npm start` (demo-session.ts): first the page's
 * numbers against the recorder (dashboard.cases.ts), then the on-call
 * console's actions (console.cases.ts), which change what the lanes hold.
 */
import './dashboard.cases.ts';
import './console.cases.ts';
