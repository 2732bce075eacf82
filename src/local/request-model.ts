// A method's request model, checked as API Gateway's request validator checks a body:
// the model is a JSON Schema draft 4 (API Gateway's only schema version), compiled by
// ajv-draft-04. Compiled schemas are kept by their text, so an edited model is recompiled.
import { createRequire } from 'node:module';

type Validate = (value: unknown) => boolean;
interface AjvLike {
  compile(schema: object): Validate;
}

const compiled = new Map<string, Validate>();

/** A validator for this model's schema (the stored text of GetModel's schema). Throws when the schema does not compile. */
export function modelValidator(schema: string): Validate {
  let validate = compiled.get(schema);
  if (!validate) {
    // ajv-draft-04 is CommonJS with the class on .default.
    const Ajv = (createRequire(import.meta.url)('ajv-draft-04') as { default: new (options: object) => AjvLike }).default;
    // strict: false, as API Gateway takes any keyword a draft-4 schema may carry (title,
    // examples…); one instance per schema, so two models with the same id do not collide.
    validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(schema));
    compiled.set(schema, validate);
  }
  return validate;
}

/** Whether the body is valid for the schema: text that is not JSON is not. */
export function bodyIsValid(schema: string, body: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  return modelValidator(schema)(value);
}
