import { findProfile } from '../domain/catalog.js';
import { requesterCatalog } from './requester-settings.js';

/** Every command word, for completion: the operator's and the requester's. */
const COMMAND_WORDS = ['profiles', 'request', 'wait', 'mine', 'leases', 'sweep', 'catalog', 'report', 'completion'];
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = { leases: ['list', 'show', 'revoke'], catalog: ['check'], completion: ['bash', 'zsh'] };
const REQUEST_FLAGS = ['--namespaces', '--for', '--reason', '--link', '--source', '--project', '--check', '--wait', '--timeout', '--context', '--catalog', '--json'];

/**
 * `kube-lease __complete <words…>`: the candidates for the last word, one a line. Profiles and
 * namespaces come from the catalog (--catalog on the line, else KUBE_LEASE_CATALOG); without a
 * readable catalog there are none, silently: completion must never print an error into a prompt.
 */
export function completions(words: readonly string[], env: NodeJS.ProcessEnv): string {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const catalogAt = before.indexOf('--catalog');
  const catalog = () => {
    try {
      return requesterCatalog(catalogAt >= 0 ? before[catalogAt + 1] : undefined, env).catalog;
    } catch {
      return undefined;
    }
  };
  let candidates: readonly string[] = [];
  if (before.length === 0) candidates = COMMAND_WORDS;
  else if (before.length === 1 && before[0] !== undefined && SUBCOMMANDS[before[0]] !== undefined) candidates = SUBCOMMANDS[before[0]] ?? [];
  else if (before[0] === 'request') {
    const previous = before.at(-1);
    if (previous === '--namespaces') {
      const profileName = before.slice(1).find((w, i, all) => !w.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
      const known = catalog();
      const profile = known === undefined || profileName === undefined ? undefined : findProfile(known, profileName);
      const all = profile?.namespaces ?? [...new Set(known?.profiles.flatMap((p) => p.namespaces) ?? [])];
      // a,b,<tab>: complete the last item of the list.
      const done = current.includes(',') ? current.slice(0, current.lastIndexOf(',') + 1) : '';
      candidates = all.filter((ns) => !done.split(',').includes(ns)).map((ns) => `${done}${ns}`);
    } else if (previous === '--source') candidates = ['jira', 'servicenow'];
    else if (previous === '--for' || previous === '--timeout') candidates = ['30m', '1h', '2h', '4h'];
    else if (previous !== undefined && ['--reason', '--link', '--project', '--context', '--catalog'].includes(previous)) candidates = [];
    else if (current.startsWith('-')) candidates = REQUEST_FLAGS;
    else candidates = catalog()?.profiles.map((p) => p.name) ?? [];
  } else if (current.startsWith('-')) candidates = ['--json', '--help', '--catalog', '--source'];
  return candidates.filter((c) => c.startsWith(current)).map((c) => `${c}\n`).join('');
}

/** The shell script `kube-lease completion <shell>` prints: it asks `__complete` for each word. */
export function completionScript(shell: 'bash' | 'zsh'): string {
  const bash = `# kube-lease completion for bash: source <(npx kube-lease completion bash)
_kube_lease_complete() {
  local IFS=$'\\n'
  local cmd="\${COMP_WORDS[0]}"
  local -a words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  # kubectl lease …: the plugin's own words follow "lease".
  if [[ "\${cmd##*/}" == kubectl ]]; then cmd=kubectl-lease; words=("\${COMP_WORDS[@]:2:COMP_CWORD-1}"); fi
  [[ "\${cmd##*/}" == npx ]] && { cmd="npx kube-lease"; words=("\${COMP_WORDS[@]:2:COMP_CWORD-1}"); }
  COMPREPLY=( $(\${cmd} __complete "\${words[@]}" 2>/dev/null) )
}
complete -o default -F _kube_lease_complete kube-lease kubectl-lease
`;
  const zsh = `#compdef kube-lease kubectl-lease
# kube-lease completion for zsh: source <(npx kube-lease completion zsh)
_kube_lease() {
  local -a candidates
  candidates=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- "\${candidates[@]}"
}
compdef _kube_lease kube-lease kubectl-lease
`;
  return shell === 'bash' ? bash : zsh;
}
