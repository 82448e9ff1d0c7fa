/**
 * Feast runs Python's `os.path.expandvars` over feature_store.yaml before parsing it, so `$NAME` and `${NAME}`
 * take values from the environment. Names are ASCII word characters; an unset variable is left as written, and
 * substituted text is not expanded again.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

const VARIABLE = /\$(\w+|\{[^}]*\})/g;

export function expandEnvironmentVariables(text: string, env: Environment): string {
  if (!text.includes('$')) return text;
  return text.replace(VARIABLE, (match, reference: string) => {
    const name = reference.startsWith('{') ? reference.slice(1, -1) : reference;
    return Object.hasOwn(env, name) ? (env[name] ?? match) : match;
  });
}

/** Names referenced in `text` that `env` does not define (for hints when a value still looks unexpanded). */
export function unsetEnvironmentVariables(text: string, env: Environment): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(VARIABLE)) {
    const reference = match[1] ?? '';
    const name = reference.startsWith('{') ? reference.slice(1, -1) : reference;
    if (env[name] === undefined && !names.includes(name)) names.push(name);
  }
  return names;
}
