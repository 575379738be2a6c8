/**
 * The CDK template tests, in one process. A process's first synthesis costs
 * about 4 s of CPU (aws-cdk-lib's lazily loaded modules, the JIT warming
 * up) and every later one about 1 s, so twelve files in twelve processes
 * spent some 45 s of the suite's CPU warming up; imported here, they pay it
 * once. `synth-cli.test.ts` stays apart: it runs `cdk synth` as a child.
 * Each `*.cases.ts` file registers its tests when imported, in this order.
 */
import './access.cases.ts';
import './alarms.cases.ts';
import './capacity.cases.ts';
import './dedup-table.cases.ts';
import './extra-lane.cases.ts';
import './lanes.cases.ts';
import './limits.cases.ts';
import './nag.cases.ts';
import './query-definitions.cases.ts';
import './scaling.cases.ts';
import './schedules.cases.ts';
import './source-map.cases.ts';
