/**
 * The keyboard shortcuts: Space plays or pauses, n or → steps, e goes to the end, ? opens the help,
 * Esc closes the help or the inspector. None while typing in a field; Space and Enter keep their
 * usual meaning on a button or an arrow.
 */
export interface KeyActions {
  playPause(): void;
  step(): void;
  toEnd(): void;
  help(): void;
  /** Close whatever is open; false when nothing was. */
  escape(): boolean;
}

export function bindKeys(k: KeyActions): void {
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const target = ev.target as HTMLElement;
    if (ev.key === 'Escape') {
      if (k.escape()) ev.preventDefault();
      return;
    }
    if (target.closest('input, select, textarea') !== null) return;
    const onControl = target.closest('button, a, [role="button"]') !== null;
    if (ev.key === ' ' && !onControl) {
      ev.preventDefault();
      k.playPause();
    } else if (ev.key === 'n' || ev.key === 'ArrowRight') {
      ev.preventDefault();
      k.step();
    } else if (ev.key === 'e') {
      k.toEnd();
    } else if (ev.key === '?') {
      k.help();
    }
  });
}
