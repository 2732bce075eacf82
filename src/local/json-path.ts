// The JSONPath that $input.json, $input.path and a response parameter's
// integration.response.body.<path> take: $ then .name, ['name'], [index] and [*] (a list of
// every element). Recursive descent (..) and filters ([?()]) are not supported: they
// throw, and the stage answers as for a template that fails.

export function jsonPath(document: unknown, path: string): unknown {
  const expression = path.trim();
  if (!expression.startsWith('$')) throw new Error(`JSONPath ${path}: must start with $`);
  let values: unknown[] = [document];
  let many = false;
  const step = /^(?:\.([A-Za-z_$][\w$-]*)|\.\*|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\])/;
  let rest = expression.slice(1);
  while (rest) {
    const m = step.exec(rest);
    if (!m) throw new Error(`JSONPath ${path}: ${rest} is not supported here`);
    rest = rest.slice(m[0].length);
    const name = m[1] ?? m[2] ?? m[3];
    if (name !== undefined) {
      values = values.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined));
    } else if (m[4] !== undefined) {
      const index = Number(m[4]);
      values = values.map((v) => (Array.isArray(v) ? v[index < 0 ? v.length + index : index] : undefined));
    } else {
      many = true;
      values = values.flatMap((v) => (Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : []));
    }
  }
  return many ? values.filter((v) => v !== undefined) : values[0];
}
