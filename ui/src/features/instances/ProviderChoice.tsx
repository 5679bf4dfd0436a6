import type { ReactNode } from "react";
import { LaptopIcon, ServerIcon } from "../../components/icons";

export function ProviderChoice() {
  return (
    <fieldset>
      <legend className="mb-1 block text-sm font-medium text-slate-700">Connect through</legend>
      <div className="grid grid-cols-2 gap-2">
        <Option
          icon={<LaptopIcon className="size-5" />}
          title="This computer (scan a QR)"
          note="Coming soon"
          value="native"
          disabled
        />
        <Option
          icon={<ServerIcon className="size-5" />}
          title="Evolution API server"
          note="Your own server"
          value="evolution"
          checked
        />
      </div>
    </fieldset>
  );
}

type OptionProps = {
  icon: ReactNode;
  title: string;
  note: string;
  value: string;
  checked?: boolean;
  disabled?: boolean;
};

function Option({ icon, title, note, value, checked = false, disabled = false }: OptionProps) {
  const frame = disabled
    ? "cursor-not-allowed border-slate-200 bg-slate-50 text-slate-400"
    : checked
      ? "border-emerald-500 bg-emerald-50/60 text-slate-900 ring-1 ring-emerald-500"
      : "border-slate-200 text-slate-700";
  return (
    <label className={`flex items-start gap-2.5 rounded-lg border p-3 ${frame}`}>
      <input
        type="radio"
        name="provider"
        value={value}
        checked={checked}
        disabled={disabled}
        readOnly
        className="mt-0.5 accent-emerald-600"
        data-testid={`provider-${value}`}
      />
      <span className="min-w-0">
        <span className="flex items-center gap-1.5 text-sm font-medium">
          {icon}
          {title}
        </span>
        <span className={`mt-0.5 block text-xs ${disabled ? "text-slate-400" : "text-slate-500"}`}>{note}</span>
      </span>
    </label>
  );
}
