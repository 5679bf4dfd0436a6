import { useMutation, useQueryClient } from "@tanstack/react-query";
import { open as openFile } from "@tauri-apps/plugin-dialog";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import { LIMITS, type Instance, type Profile, type ProfileUpdate } from "../../bindings";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { ChevronIcon } from "../../components/icons";
import { Spinner } from "../../components/Spinner";
import { characterCount } from "../../compose";
import { queryKeys, useProfile } from "../../queries";

/** The name, About text and picture this number's contacts see. */
export function ProfileCard({ instance }: { instance: Instance }) {
  const [open, setOpen] = useState(false);
  const connected = instance.status === "connected";
  const profile = useProfile(instance.id, open && connected);

  return (
    <section className="rounded-xl bg-white shadow-xs ring-1 ring-slate-200" data-testid="profile-card">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        data-testid="profile-toggle"
        className="flex w-full items-center gap-2 px-5 py-3 text-left text-sm font-semibold text-slate-900"
      >
        <ChevronIcon className={`size-4 text-slate-400 transition-transform ${open ? "rotate-90" : ""}`} />
        Profile
        {!open && (
          <span className="ml-2 one-line text-xs font-normal text-slate-500">
            What your contacts see: name, About and picture
          </span>
        )}
      </button>
      {open && (
        <div className="border-t border-slate-100 px-5 py-4">
          {!connected && (
            <p className="text-sm text-slate-500">Connect this number to see and change its profile.</p>
          )}
          {connected && profile.isPending && (
            <p className="flex items-center gap-2 text-sm text-slate-500">
              <Spinner className="size-4" /> Asking WhatsApp…
            </p>
          )}
          {connected && profile.isError && (
            <p role="alert" className="text-sm text-red-700">
              {errorMessage(profile.error)}
            </p>
          )}
          {connected && profile.data && <ProfileEditor instance={instance} initial={profile.data} />}
        </div>
      )}
    </section>
  );
}

function ProfileEditor({ instance, initial }: { instance: Instance; initial: Profile }) {
  const client = useQueryClient();
  const [name, setName] = useState(initial.name ?? "");
  const [about, setAbout] = useState(initial.about ?? "");
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: (update: ProfileUpdate) => api.updateProfile(instance.id, update),
    onSuccess: (next) => {
      client.setQueryData(queryKeys.profile(instance.id), next);
      void client.invalidateQueries({ queryKey: queryKeys.instances });
      setName(next.name ?? "");
      setAbout(next.about ?? "");
      setSaved(true);
    },
  });

  const change = (update: ProfileUpdate) => {
    setSaved(false);
    setInvalid(null);
    save.mutate(update);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const update: ProfileUpdate = { name: null, about: null, picture: null };
    if (name.trim() !== (initial.name ?? "")) update.name = name;
    if (about.trim() !== (initial.about ?? "")) update.about = about;
    if (update.name === null && update.about === null) {
      setInvalid("Nothing changed.");
      return;
    }
    change(update);
  };

  const choosePicture = async () => {
    try {
      const picked = await openFile({
        multiple: false,
        directory: false,
        filters: [{ name: "Pictures", extensions: ["jpg", "jpeg", "png"] }],
      });
      if (typeof picked === "string" && picked !== "") {
        change({ name: null, about: null, picture: { kind: "file", path: picked } });
      }
    } catch (error) {
      setInvalid(`The file picker could not open: ${errorMessage(error)}`);
    }
  };

  const error = invalid ?? (save.isError ? errorMessage(save.error) : null);
  const picture = save.data?.pictureUrl ?? initial.pictureUrl;

  return (
    <form onSubmit={submit} noValidate className="flex flex-wrap items-start gap-5" data-testid="profile-form">
      <div className="flex w-28 flex-col items-center gap-2">
        {picture ? (
          <img
            src={picture}
            alt={`Profile picture of ${instance.displayName}`}
            className="size-24 rounded-full object-cover ring-1 ring-slate-200"
            data-testid="profile-picture"
          />
        ) : (
          <div className="flex size-24 items-center justify-center rounded-full bg-slate-100 text-xs text-slate-500">
            No picture
          </div>
        )}
        <Button size="sm" onClick={() => void choosePicture()} disabled={save.isPending} data-testid="profile-picture-choose">
          Change…
        </Button>
        {picture && (
          <Button
            size="sm"
            variant="danger-outline"
            onClick={() => change({ name: null, about: null, picture: { kind: "remove" } })}
            disabled={save.isPending}
            data-testid="profile-picture-remove"
          >
            Remove
          </Button>
        )}
      </div>
      <div className="min-w-60 flex-1 space-y-3">
        <Field
          label="Name"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setSaved(false);
          }}
          data-testid="profile-name-input"
          hint={`What people see when you write to them (${characterCount(name)}/${LIMITS.maxProfileNameChars}).`}
        />
        <Field
          label="About"
          value={about}
          onChange={(event) => {
            setAbout(event.target.value);
            setSaved(false);
          }}
          data-testid="profile-about-input"
          hint={`${characterCount(about)}/${LIMITS.maxProfileAboutChars} characters.`}
        />
        <FormError message={error} />
        <div className="flex items-center justify-end gap-3">
          {saved && !error && (
            <span role="status" className="text-sm text-emerald-700" data-testid="profile-saved">
              Profile updated.
            </span>
          )}
          <Button type="submit" variant="primary" busy={save.isPending} data-testid="profile-save">
            Save profile
          </Button>
        </div>
      </div>
    </form>
  );
}
