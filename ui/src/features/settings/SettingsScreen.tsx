import { errorMessage } from "../../api";
import { Spinner } from "../../components/Spinner";
import { useSettings } from "../../queries";
import { SettingsForm } from "./SettingsForm";
import { ContactsCard } from "./ContactsCard";
import { StartWithComputer } from "./StartWithComputer";

export function SettingsScreen() {
  const settings = useSettings();
  return (
    <section className="min-w-0 flex-1 overflow-y-auto">
      <div className="mx-auto max-w-2xl space-y-5 p-6">
        <div>
          <h1 className="text-lg font-semibold text-slate-900">Settings</h1>
          <p className="text-sm text-slate-500">These apply to every instance on this computer.</p>
        </div>
        {settings.isPending && (
          <p className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading settings…
          </p>
        )}
        {settings.isError && (
          <p role="alert" className="text-sm text-red-700">
            {errorMessage(settings.error)}
          </p>
        )}
        <StartWithComputer />
        {settings.data && <SettingsForm initial={settings.data} />}
        <ContactsCard />
      </div>
    </section>
  );
}
