import type { ReactNode } from "react";
import { BadgeIcon, LaptopIcon, ServerIcon } from "../../components/icons";
import type { ProviderKindChoice } from "../../validation";

type Props = { value: ProviderKindChoice; onChange: (value: ProviderKindChoice) => void };

export function ProviderChoice({ value, onChange }: Props) {
  return (
    <fieldset>
      <legend className="mb-1 block text-sm font-medium text-slate-700">Connect through</legend>
      <div className="grid grid-cols-3 gap-2">
        <Option
          icon={<LaptopIcon className="size-5" />}
          title="This computer"
          note="Scan a QR code; no server"
          value="native"
          checked={value === "native"}
          onSelect={onChange}
        />
        <Option
          icon={<ServerIcon className="size-5" />}
          title="Evolution API"
          note="Your own server"
          value="evolution"
          checked={value === "evolution"}
          onSelect={onChange}
        />
        <Option
          icon={<BadgeIcon className="size-5" />}
          title="Official Cloud API"
          note="WhatsApp Business, by Meta"
          value="cloud"
          checked={value === "cloud"}
          onSelect={onChange}
        />
      </div>
    </fieldset>
  );
}

type OptionProps = {
  icon: ReactNode;
  title: string;
  note: string;
  value: ProviderKindChoice;
  checked: boolean;
  onSelect: (value: ProviderKindChoice) => void;
};

function Option({ icon, title, note, value, checked, onSelect }: OptionProps) {
  const frame = checked
    ? "border-emerald-500 bg-emerald-50/60 text-slate-900 ring-1 ring-emerald-500"
    : "cursor-pointer border-slate-200 text-slate-700 hover:border-slate-300";
  return (
    <label className={`flex items-start gap-2.5 rounded-lg border p-3 ${frame}`}>
      <input
        type="radio"
        name="provider"
        value={value}
        checked={checked}
        onChange={() => onSelect(value)}
        className="mt-0.5 accent-emerald-600"
        data-testid={`provider-${value}`}
      />
      <span className="min-w-0">
        <span className="flex items-center gap-1.5 text-sm font-medium">
          {icon}
          {title}
        </span>
        <span className="mt-0.5 block text-xs text-slate-500">{note}</span>
      </span>
    </label>
  );
}
