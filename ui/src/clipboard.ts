const COPY_FAILED = "Could not copy automatically. Select the text and copy it by hand.";

/** Puts the text on the clipboard, falling back to the old way where the Clipboard API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Some webviews refuse the Clipboard API; try the selection instead.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  try {
    area.select();
    if (!document.execCommand("copy")) throw new Error(COPY_FAILED);
  } catch {
    throw new Error(COPY_FAILED);
  } finally {
    area.remove();
  }
}
