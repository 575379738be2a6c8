/** Every task type of the demo deployment. Adding a type: one handler file, one line here. */
import { emailSend } from './email-send.ts';
import { orderPlace } from './order-place.ts';
import { pdfRender } from './pdf-render.ts';
import { smsSend } from './sms-send.ts';
import { webhookDeliver } from './webhook-deliver.ts';

import type { PayloadsOf } from 'tasklanes';

export const TASK_TYPES = [orderPlace, emailSend, webhookDeliver, smsSend, pdfRender];

/** Payload per task type name, for a typed publisher: `new Publisher<TaskPayloads>({ definition })`. */
export type TaskPayloads = PayloadsOf<typeof TASK_TYPES>;
