import type { InstanceStatus } from "../../bindings";
import { Button } from "../../components/Button";
import { FormError } from "../../components/FormError";
import { RestartIcon } from "../../components/icons";

type Props = { status: InstanceStatus; busy: boolean; error: string | null; onRetry: () => void };

export function RelinkPrompt({ status, busy, error, onRetry }: Props) {
  const loggedOut = status === "logged_out";
  return (
    <div
      data-testid="qr-limit"
      className="flex w-[284px] flex-col items-center gap-3 rounded-lg border border-dashed border-amber-300 bg-amber-50/60 px-5 py-8 text-center"
    >
      <h4 className="text-sm font-semibold text-slate-900">
        {loggedOut ? "This number was logged out — link it again" : "QR limit reached — try again"}
      </h4>
      <p className="text-xs text-slate-600">
        {loggedOut
          ? "WhatsApp ended this session. Request a new code and scan it with the phone."
          : "No code was scanned in time, so the server stopped making new ones."}
      </p>
      <Button variant="primary" icon={<RestartIcon />} busy={busy} onClick={onRetry} data-testid="try-again">
        Try again
      </Button>
      <FormError message={error} />
    </div>
  );
}
