// The width of an element in CSS pixels, following resizes: the chart is drawn at the size it
// is shown, so its text stays legible on a phone instead of shrinking with a scaled viewBox.
import { useEffect, useRef, useState } from "react";

export function useElementWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => setWidth(Math.round(element.getBoundingClientRect().width) || fallback);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, [fallback]);
  return { ref, width };
}
