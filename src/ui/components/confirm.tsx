// A modal confirmation (native <dialog>: focus trapping and Escape come with it) that asks the user to
// type a name before a destructive action.
import { useEffect, useRef, useState } from "preact/hooks";

export function ConfirmDialog(props: { title: string; message: string; confirmText: string; actionLabel: string; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel} onClose={props.onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed === props.confirmText) props.onConfirm();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <p>{props.message}</p>
        <label for="confirm-input">
          Type <code>{props.confirmText}</code> to confirm
        </label>
        <input id="confirm-input" autoFocus autocomplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        <div class="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={typed !== props.confirmText}>
            {props.actionLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
