/**
 * The Standard Schema interface (https://standardschema.dev, v1), which zod 4
 * (classic and zod/mini), valibot and ArkType schemas implement: a task
 * type's payload schema is any of them, so an app picks its validator, and
 * with it what the consumer bundle carries. Declared here rather than
 * imported, as the spec intends: it is types only, and no validator becomes
 * a dependency of the runtime.
 */

/** A schema of any Standard Schema validator. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  /** May answer asynchronously (a zod schema with an async refinement, or one whose check throws, does). */
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Types only, never set at run time: what the schema takes and gives. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a value must be before validation (e.g. with a default's field left out): what a publisher passes. */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];
/** What a value is after validation: what a handler gets. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/**
 * Validates `value` with `schema`, whichever validator made it. A synchronous
 * validator's answer is ready within the current turn of the event loop, so
 * the records of a batch still ask for their dedup claims together
 * (src/runtime/dedup-batch.ts).
 */
export async function validate<S extends StandardSchemaV1>(schema: S, value: unknown): Promise<StandardSchemaResult<InferOutput<S>>> {
  return schema['~standard'].validate(value) as StandardSchemaResult<InferOutput<S>> | Promise<StandardSchemaResult<InferOutput<S>>>;
}
