import { useEffect, useState } from "react";
import { copyText } from "../clipboard";
import { errorMessage } from "../api";
import { Button } from "./Button";

type Props = {
  secret: string;
  /** The one-time warning, e.g. "Copy this key now: it will not be shown again." */
  warning: string;
  /** The testid of the element whose text is exactly the secret. */
  testId: string;
  copyTestId: string;
};

/** A secret shown this once, with a Copy button. */
export function SecretReveal({ secret, warning, testId, copyTestId }: Props) {
  const [copied, setCopied] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), 2_000);
    return () => window.clearTimeout(timer);
  }, [copied]);

  const copy = () => {
    setFailure(null);
    copyText(secret).then(
      () => setCopied(true),
      (error: unknown) => setFailure(errorMessage(error)),
    );
  };

  return (
    <div className="space-y-2 rounded-lg bg-amber-50 p-4 ring-1 ring-inset ring-amber-200">
      <p className="text-sm font-medium text-amber-900">{warning}</p>
      <div className="flex items-center gap-2">
        <code
          data-testid={testId}
          data-selectable
          className="min-w-0 flex-1 break-all rounded-md bg-white px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-inset ring-amber-200"
        >
          {secret}
        </code>
        <Button size="sm" variant={copied ? "secondary" : "primary"} onClick={copy} data-testid={copyTestId} data-autofocus>
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      {failure && (
        <p role="alert" className="text-xs text-red-700">
          {failure}
        </p>
      )}
    </div>
  );
}
