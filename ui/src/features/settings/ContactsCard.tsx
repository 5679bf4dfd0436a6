import { useMutation } from "@tanstack/react-query";
import { save } from "@tauri-apps/plugin-dialog";
import type { ChangeEvent } from "react";
import { api, errorMessage } from "../../api";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { plural } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";

/** The contact book in and out as CSV: phone, name, notes, labels (separated by ;) and opted_out. */
export function ContactsCard() {
  const invalidate = useInvalidate();
  const importing = useMutation({
    mutationFn: (csv: string) => api.importContacts(csv),
    onSettled: () => invalidate(queryKeys.contacts, queryKeys.conversations, queryKeys.labels),
  });
  const exporting = useMutation({
    mutationFn: async () => {
      const path = await save({ defaultPath: "contacts.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
      return path ? { path, rows: await api.saveContacts(path) } : null;
    },
  });
  const readFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    void file.text().then((text) => importing.mutate(text));
  };
  const report = importing.data;
  return (
    <Card title="Contacts" data-testid="contacts-card">
      <p className="text-sm text-slate-600">
        Import or export the contact book as CSV with the columns <code>phone</code>, <code>name</code>, <code>notes</code>,{" "}
        <code>labels</code> (separated by <code>;</code>) and <code>opted_out</code> (yes or no). Empty cells leave what is saved.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <label className="inline-flex cursor-pointer items-center rounded-md bg-white px-3.5 py-2 text-sm font-medium text-slate-700 shadow-xs ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-within:outline-2 focus-within:outline-emerald-600">
          Import CSV…
          <input type="file" accept=".csv,text/csv,text/plain" onChange={readFile} className="sr-only" data-testid="contacts-import" />
        </label>
        <Button busy={exporting.isPending} onClick={() => exporting.mutate()} data-testid="contacts-export">
          Export CSV…
        </Button>
      </div>
      {report && (
        <div className="mt-3 text-sm" data-testid="contacts-import-report">
          <p className="text-slate-800">{plural(report.saved, "contact")} saved.</p>
          {report.problems.map((problem) => (
            <p key={problem.line} className="text-xs text-red-700">
              Line {problem.line}: {problem.reason}
            </p>
          ))}
        </div>
      )}
      {exporting.data && (
        <p className="mt-3 text-sm text-slate-700">
          {plural(exporting.data.rows, "contact")} saved to {exporting.data.path}.
        </p>
      )}
      {(importing.isError || exporting.isError) && (
        <p role="alert" className="mt-3 text-xs text-red-700">
          {errorMessage(importing.error ?? exporting.error)}
        </p>
      )}
    </Card>
  );
}
