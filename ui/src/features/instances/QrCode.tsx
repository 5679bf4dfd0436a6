import { useEffect, type ReactNode } from "react";
import type { InstanceId, LinkView } from "../../bindings";
import { Spinner } from "../../components/Spinner";
import { formatCountdown } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useNow } from "../../hooks/useNow";
import { queryKeys } from "../../queries";

const QR_SIZE = 260;
const EXPIRY_GRACE_MS = 2_000;

type Props = { instanceId: InstanceId; view: LinkView | undefined; loading: boolean; error: string | null };

export function QrCode({ instanceId, view, loading, error }: Props) {
  const svg = view?.qrSvg ?? null;
  const expiresAt = view?.expiresAt ?? null;
  const now = useNow(svg !== null && expiresAt !== null);
  const invalidate = useInvalidate();

  useEffect(() => {
    if (expiresAt === null) return;
    const timer = window.setTimeout(
      () => invalidate(queryKeys.link(instanceId)),
      Math.max(0, expiresAt - Date.now()) + EXPIRY_GRACE_MS,
    );
    return () => window.clearTimeout(timer);
  }, [expiresAt, instanceId, invalidate]);

  if (svg === null) {
    return (
      <Frame>
        {error ? (
          <p className="px-6 text-center text-sm text-red-700">{error}</p>
        ) : (
          <div className="flex flex-col items-center gap-3 text-sm text-slate-500">
            <Spinner />
            {loading ? "Loading…" : "Waiting for a QR code from the server…"}
          </div>
        )}
      </Frame>
    );
  }

  const countdown = formatCountdown(expiresAt, now);
  return (
    <div className="flex flex-col items-center gap-2">
      <Frame>
        <img
          data-testid="qr-image"
          src={`data:image/svg+xml;utf8,${encodeURIComponent(svg)}`}
          width={QR_SIZE}
          height={QR_SIZE}
          alt="QR code to link this WhatsApp number"
          draggable={false}
          className="block [image-rendering:pixelated]"
        />
      </Frame>
      <div className="flex w-full items-center justify-between text-xs text-slate-500">
        <span data-testid="qr-countdown" className="tabular-nums">
          {countdown ?? ""}
        </span>
        {view && view.codesShown > 0 && <span data-testid="qr-code-number">Code {view.codesShown}</span>}
      </div>
    </div>
  );
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <div
      className="flex items-center justify-center rounded-lg bg-white p-3 ring-1 ring-slate-200"
      style={{ width: QR_SIZE + 24, height: QR_SIZE + 24 }}
    >
      {children}
    </div>
  );
}
