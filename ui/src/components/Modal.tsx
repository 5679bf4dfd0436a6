import { useEffect, useId, useRef, type ReactNode } from "react";

type Props = {
  title: string;
  onClose: () => void;
  children: ReactNode;
  width?: "sm" | "md" | "lg";
  testId?: string;
};

export function Modal({ title, onClose, children, width = "md", testId }: Props) {
  const titleId = useId();
  const maxWidth = width === "sm" ? "max-w-md" : width === "lg" ? "max-w-3xl" : "max-w-lg";
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);

  useEffect(() => {
    close.current = onClose;
  }, [onClose]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close.current();
    };
    window.addEventListener("keydown", onKey);
    panel.current?.querySelector<HTMLElement>("input:not([disabled]), textarea, [data-autofocus]")?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        className={`flex max-h-full w-full flex-col ${maxWidth} rounded-xl bg-white shadow-xl ring-1 ring-slate-900/10`}
      >
        <h2 id={titleId} className="border-b border-slate-200 px-6 py-4 text-base font-semibold text-slate-900">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

export function ModalBody({ children }: { children: ReactNode }) {
  return <div className="min-h-0 space-y-4 overflow-y-auto px-6 py-5">{children}</div>;
}

export function ModalFooter({ children }: { children: ReactNode }) {
  return <div className="flex justify-end gap-2 rounded-b-xl border-t border-slate-100 bg-slate-50 px-6 py-3">{children}</div>;
}
