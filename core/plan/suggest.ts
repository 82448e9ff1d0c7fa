/** "Did you mean" hints for names the user typed. */

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** Up to `limit` candidates close to `name` (case-insensitive edit distance, or one containing the other). */
export function closeNames(name: string, candidates: readonly string[], limit = 3): string[] {
  const wanted = name.toLowerCase();
  const scored = candidates
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const distance = editDistance(wanted, lower);
      const contains = wanted.length >= 3 && (lower.includes(wanted) || wanted.includes(lower));
      return {
        candidate,
        distance,
        close: contains || distance <= Math.max(2, Math.floor(wanted.length / 4)),
      };
    })
    .filter((entry) => entry.close && entry.candidate !== name)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate));
  // A clearly better match hides the merely plausible ones.
  const best = scored[0]?.distance ?? 0;
  return scored
    .filter((entry) => entry.distance <= best + 1)
    .slice(0, limit)
    .map((entry) => entry.candidate);
}

/** `did you mean a or b?` when something is close, else the list of what exists (shortened). */
export function hintFor(name: string, candidates: readonly string[], noun: string): string {
  const close = closeNames(name, candidates);
  if (close.length > 0) return `did you mean ${orList(close)}?`;
  if (candidates.length === 0) return `there are no ${noun}`;
  const sorted = [...candidates].sort();
  const shown = sorted.slice(0, 12).join(', ');
  return `the ${noun} are ${shown}${sorted.length > 12 ? `, ... (${sorted.length} in all)` : ''}`;
}

function orList(names: string[]): string {
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
