import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import { Card } from "../../components/Card";
import { FormError } from "../../components/FormError";
import { Switch } from "../../components/Switch";
import { queryKeys } from "../../queries";

/** A login item of this computer, not a setting of the engine: it changes the moment it is switched. */
export function StartWithComputer() {
  const client = useQueryClient();
  const current = useQuery({ queryKey: queryKeys.startWithComputer, queryFn: api.startWithComputer });
  const change = useMutation({
    mutationFn: api.setStartWithComputer,
    onSuccess: (enabled) => client.setQueryData(queryKeys.startWithComputer, enabled),
  });
  const error = current.isError ? errorMessage(current.error) : change.isError ? errorMessage(change.error) : null;
  return (
    <Card>
      <div className="flex items-start gap-3">
        <Switch
          id="settings-start-with-computer"
          checked={current.data ?? false}
          disabled={current.data === undefined || change.isPending}
          onChange={(event) => change.mutate(event.target.checked)}
          data-testid="settings-start-with-computer"
          className="mt-0.5"
        />
        <label htmlFor="settings-start-with-computer" className="text-sm">
          <span className="block font-medium text-slate-700">Start with my computer</span>
          <span className="block text-xs text-slate-500">
            Switchboard opens in the tray when you log in, so your numbers keep sending and receiving before you open
            the window.
          </span>
        </label>
      </div>
      <FormError message={error} />
    </Card>
  );
}
