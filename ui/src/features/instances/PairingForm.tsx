import { useState, type FormEvent } from "react";
import { Button } from "../../components/Button";
import { inputClass } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { formatPairingCode } from "../../format";
import { validatePairingPhone } from "../../validation";

type Props = { pairingCode: string | null; busy: boolean; error: string | null; onSubmit: (phone: string) => void };

export function PairingForm({ pairingCode, busy, error, onSubmit }: Props) {
  const [phone, setPhone] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validatePairingPhone(phone);
    setInvalid(problem);
    if (problem === null) onSubmit(phone.trim());
  };

  return (
    <div className="rounded-lg bg-slate-50 p-4 ring-1 ring-inset ring-slate-200">
      <h4 className="text-sm font-medium text-slate-800">Link with phone number instead</h4>
      <p className="mt-0.5 text-xs text-slate-500">
        Get an 8-character code and type it on the phone under “Link with phone number instead”.
      </p>
      <form onSubmit={submit} noValidate className="mt-3 flex gap-2">
        <input
          type="tel"
          aria-label="Phone number with country code"
          placeholder="+55 11 91234-5678"
          value={phone}
          onChange={(event) => {
            setPhone(event.target.value);
            setInvalid(null);
          }}
          data-testid="pairing-phone"
          className={`${inputClass} min-w-0 flex-1`}
        />
        <Button type="submit" busy={busy} data-testid="pairing-submit">
          Get pairing code
        </Button>
      </form>
      <div className="mt-3 empty:hidden">
        <FormError message={invalid ?? error} />
      </div>
      {pairingCode && (
        <div className="mt-4 text-center">
          <div className="text-xs uppercase tracking-wide text-slate-500">Pairing code</div>
          <div
            data-testid="pairing-code"
            data-selectable
            className="mt-1 font-mono text-3xl font-semibold tracking-[0.3em] text-slate-900"
          >
            {formatPairingCode(pairingCode)}
          </div>
        </div>
      )}
    </div>
  );
}
