import { useEffect, useId, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';

/**
 * Two panes and a separator that resizes them: dragged with a pointer, or focused and moved with
 * the arrow keys (Home and End to the limits, Enter to collapse or restore a collapsible second
 * pane), as in the WAI-ARIA window splitter pattern. The first pane has the size; the second takes
 * the rest, and its minimum is kept by CSS when the container shrinks.
 */
export function Split({
  direction,
  label,
  first,
  second,
  defaultSize,
  unit,
  minFirst,
  minSecond,
  collapsible = false,
  className = '',
  separatorClassName = '',
}: {
  /** `row`: side by side; `column`: one above the other. */
  direction: 'row' | 'column';
  /** What the separator resizes (its accessible name). */
  label: string;
  first: ReactNode;
  second: ReactNode;
  /** The first pane's size, in `unit`. */
  defaultSize: number;
  /** Pixels, or percent of the container. */
  unit: 'px' | '%';
  /** The first pane's minimum, in `unit`. */
  minFirst: number;
  /** The second pane's minimum, in percent. */
  minSecond: number;
  /** Whether the second pane collapses (to nothing) when dragged below half its minimum. */
  collapsible?: boolean;
  className?: string;
  separatorClassName?: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState(defaultSize);
  const [collapsed, setCollapsed] = useState(false);
  const [length, setLength] = useState(0);
  const id = useId();
  const row = direction === 'row';

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const measure = () => setLength(row ? element.clientWidth : element.clientHeight);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [row]);

  const toPercent = (value: number) => (unit === '%' ? value : length > 0 ? (value / length) * 100 : 0);
  const fromPercent = (percent: number) => (unit === '%' ? percent : (percent / 100) * length);
  const minPercent = Math.min(toPercent(minFirst), 100 - minSecond);
  const maxPercent = 100 - minSecond;
  const nowPercent = collapsed ? 100 : Math.min(Math.max(toPercent(size), minPercent), maxPercent);

  /** Moves the separator to `percent` of the container, collapsing the second pane past half its minimum. */
  const moveTo = (percent: number) => {
    if (collapsible && percent > 100 - minSecond / 2) {
      setCollapsed(true);
      return;
    }
    setCollapsed(false);
    setSize(fromPercent(Math.min(Math.max(percent, minPercent), maxPercent)));
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0 || !container.current) return;
    event.preventDefault();
    const separator = event.currentTarget;
    separator.setPointerCapture(event.pointerId);
    const box = container.current.getBoundingClientRect();
    const total = row ? box.width : box.height;
    const move = (moved: globalThis.PointerEvent) => total > 0 && moveTo((((row ? moved.clientX - box.left : moved.clientY - box.top) / total) * 100));
    const end = () => {
      separator.removeEventListener('pointermove', move);
      separator.removeEventListener('pointerup', end);
      separator.removeEventListener('pointercancel', end);
      document.body.style.removeProperty('cursor');
    };
    separator.addEventListener('pointermove', move);
    separator.addEventListener('pointerup', end);
    separator.addEventListener('pointercancel', end);
    document.body.style.cursor = row ? 'col-resize' : 'row-resize';
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = 5;
    const keys: Record<string, (() => void) | undefined> = {
      [row ? 'ArrowLeft' : 'ArrowUp']: () => moveTo(nowPercent - step),
      [row ? 'ArrowRight' : 'ArrowDown']: () => moveTo(Math.min(nowPercent + step, maxPercent)),
      Home: () => moveTo(minPercent),
      End: () => moveTo(maxPercent),
      Enter: collapsible ? () => (collapsed ? setCollapsed(false) : setCollapsed(true)) : undefined,
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  const firstStyle = collapsed ? { flex: '1 1 0', minWidth: 0, minHeight: 0 } : { flex: `0 1 ${size}${unit}`, minWidth: 0, minHeight: 0 };
  const secondStyle = collapsed ? { flex: '0 0 0' } : { flex: '1 1 0', minWidth: row ? `${minSecond}%` : 0, minHeight: row ? 0 : `${minSecond}%` };
  return (
    <div ref={container} className={`flex ${row ? 'flex-row' : 'flex-col'} ${className}`}>
      <div id={`${id}-first`} className="overflow-hidden" style={firstStyle}>
        {first}
      </div>
      <div
        role="separator"
        tabIndex={0}
        aria-label={label}
        aria-controls={`${id}-first`}
        aria-orientation={row ? 'vertical' : 'horizontal'}
        aria-valuemin={Math.round(minPercent)}
        aria-valuemax={collapsible ? 100 : Math.round(maxPercent)}
        aria-valuenow={Math.round(nowPercent)}
        className={`shrink-0 touch-none outline-none focus-visible:bg-blue-500 ${row ? 'cursor-col-resize' : 'cursor-row-resize'} ${separatorClassName}`}
        onPointerDown={onPointerDown}
        onKeyDown={onKeyDown}
      />
      <div className="overflow-hidden" style={secondStyle}>
        {second}
      </div>
    </div>
  );
}
