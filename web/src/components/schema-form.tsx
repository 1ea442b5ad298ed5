import Form from "@rjsf/core";
import type { RJSFSchema, ValidatorType } from "@rjsf/utils";
import ajv8 from "@rjsf/validator-ajv8";

/**
 * The page's Content-Security-Policy forbids eval, which Ajv's compiled validators need: a check
 * that cannot compile answers "valid" and the service, which checks every input against the same
 * schema, gives the field that is wrong. Where compiling works (tests, a relaxed policy) the form
 * checks before sending too.
 */
const NO_ERRORS = { errors: [], errorSchema: {} };

/** Whether Ajv can compile `schema` here (it cannot under the page's CSP); it reports a failure rather than throw. */
function compiles(schema: RJSFSchema, data: unknown): boolean {
  try {
    return ajv8.rawValidation(schema, data).validationError === undefined;
  } catch {
    return false;
  }
}

const validator: ValidatorType = {
  validateFormData: (data, schema, ...rest) =>
    compiles(schema, data) ? ajv8.validateFormData(data, schema, ...rest) : NO_ERRORS,
  isValid: (schema, data, root) => compiles(root, data) && ajv8.isValid(schema, data, root),
  rawValidation: <Result = unknown>(schema: RJSFSchema, data?: unknown) =>
    compiles(schema, data) ? ajv8.rawValidation<Result>(schema, data) : {},
};

/** A form generated from a JSON Schema the API declares (a playbook's inputs, a connector's connection). */
export function SchemaForm(props: {
  schema: Record<string, unknown>;
  formData?: unknown;
  submitLabel: string;
  busy?: boolean;
  uiSchema?: Record<string, unknown>;
  onSubmit: (data: unknown) => void;
}) {
  return (
    <Form
      schema={props.schema as RJSFSchema}
      uiSchema={{
        "ui:submitButtonOptions": { submitText: props.submitLabel, props: { disabled: props.busy } },
        ...props.uiSchema,
      }}
      formData={props.formData}
      validator={validator}
      showErrorList={false}
      onSubmit={({ formData }) => props.onSubmit(formData)}
    />
  );
}
