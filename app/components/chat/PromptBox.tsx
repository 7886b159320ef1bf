import { useRef, useState, type ReactNode } from 'react';
import { IMAGE_LIMITS, ImageAttachError, prepareImage, type ImageAttachment } from '~/lib/attachments/images';
import { loadDraft, saveDraft } from '~/lib/persistence/drafts';
import { useIsomorphicLayoutEffect } from '../use-isomorphic-layout-effect';

/** Whether the chosen model takes images, and how to remember the person's answer when nobody knows. */
export interface ImageSupport {
  model: string;
  takesImages: boolean | undefined;
  remember: (takesImages: boolean) => void;
}

interface PromptBoxProps {
  onSend: (text: string, images: ImageAttachment[]) => void;
  onStop?: () => void;
  busy?: boolean;
  placeholder?: string;
  large?: boolean;
  /** Controls shown beside the buttons (the model picker). */
  children?: ReactNode;
  /** Where the unsent text is kept across reloads: "landing" or the chat's id. */
  draftKey: string;
  imageSupport: ImageSupport;
  /** Shown above the text: what else goes with the message (elements picked in the preview). */
  chips?: ReactNode;
  /** Whether the message has something to send without text (picked elements). */
  hasContext?: boolean;
}

const ACCEPT = 'image/png,image/jpeg,image/webp,image/gif';

/**
 * Enter sends, Shift+Enter adds a line. While an answer streams, Stop replaces Send. Images come
 * by paste, drop or the attach button, are resized here, and show as removable thumbnails.
 */
export function PromptBox({ onSend, onStop, busy, placeholder, large, children, draftKey, imageSupport, chips, hasContext }: PromptBoxProps) {
  const [text, setText] = useState('');
  const [images, setImages] = useState<ImageAttachment[]>([]);
  const [preparing, setPreparing] = useState(0);
  const [attachError, setAttachError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);

  // Text typed before the page became interactive is in the DOM but not in state; adopt it (it is
  // the newest), else restore the saved draft. Otherwise the next render would wipe the box.
  useIsomorphicLayoutEffect(() => {
    const typed = box.current?.value ?? '';
    const restored = typed || loadDraft(draftKey);
    setText(restored);
    if (typed) saveDraft(draftKey, typed);
  }, [draftKey]);

  const change = (value: string) => {
    setText(value);
    saveDraft(draftKey, value);
  };

  const attach = async (files: File[]) => {
    if (files.length === 0) return;
    setAttachError(null);
    const room = IMAGE_LIMITS.perMessage - images.length - preparing;
    if (files.length > room) setAttachError(`A message may carry at most ${IMAGE_LIMITS.perMessage} images.`);
    const taken = files.slice(0, Math.max(0, room));
    setPreparing((n) => n + taken.length);
    for (const file of taken) {
      try {
        const image = await prepareImage(file);
        setImages((all) => [...all, image]);
      } catch (error) {
        setAttachError(error instanceof ImageAttachError ? error.message : `${file.name || 'The image'} could not be attached.`);
      } finally {
        setPreparing((n) => n - 1);
      }
    }
  };

  const unanswered = images.length > 0 && imageSupport.takesImages === undefined;
  const canSend = (text.trim() !== '' || images.length > 0 || Boolean(hasContext)) && preparing === 0 && !unanswered;
  const send = () => {
    if (!canSend || busy) return;
    onSend(text.trim(), images);
    change('');
    setImages([]);
    setAttachError(null);
  };
  return (
    <form
      className="rounded-xl border border-gray-300 bg-white p-2 shadow-sm dark:border-gray-700 dark:bg-gray-950"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        event.stopPropagation();
      }}
      onDrop={(event) => {
        if (event.dataTransfer.files.length === 0) return;
        // Files dropped here are attachments (not a project to import, as a drop elsewhere on the landing page is).
        event.preventDefault();
        event.stopPropagation();
        void attach([...event.dataTransfer.files]);
      }}
    >
      {chips}
      {(images.length > 0 || preparing > 0) && (
        <ul aria-label="Attached images" className="flex flex-wrap gap-2 px-2 pt-1">
          {images.map((image, index) => (
            <li key={`${index}-${image.name}`} className="relative">
              <img src={image.url} alt={image.name} title={`${image.name} · ${image.width}×${image.height} · ${Math.round(image.bytes / 1000)} KB`} className="h-14 w-14 rounded-md border border-gray-300 object-cover dark:border-gray-700" />
              <button
                type="button"
                aria-label={`Remove ${image.name}`}
                className="absolute -right-1.5 -top-1.5 h-5 w-5 rounded-full bg-gray-700 text-xs leading-5 text-white"
                onClick={() => setImages((all) => all.filter((_, i) => i !== index))}
              >
                ×
              </button>
            </li>
          ))}
          {preparing > 0 && (
            <li role="status" className="muted flex h-14 items-center text-xs">
              Preparing image…
            </li>
          )}
        </ul>
      )}
      {attachError && (
        <p role="alert" className="px-2 pt-1 text-xs text-red-700 dark:text-red-300">
          {attachError}
        </p>
      )}
      {images.length > 0 && <ImageSupportNote support={imageSupport} count={images.length} />}
      <textarea
        ref={box}
        aria-label="Prompt"
        className={`w-full resize-none bg-transparent p-2 outline-none ${large ? 'h-28 text-base' : 'h-16 text-sm'}`}
        placeholder={placeholder ?? 'Describe what to build…'}
        value={text}
        onChange={(event) => change(event.target.value)}
        onPaste={(event) => {
          const files = [...event.clipboardData.files].filter((file) => file.type.startsWith('image/'));
          if (files.length === 0) return;
          event.preventDefault();
          void attach(files);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <div className="flex items-end justify-between gap-2">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <button type="button" className="btn-ghost px-2 py-0.5 text-sm" aria-label="Attach image" title={`Attach an image (PNG, JPEG, WebP or GIF; up to ${IMAGE_LIMITS.perMessage}). You can also paste or drop one.`} onClick={() => picker.current?.click()}>
            + Image
          </button>
          <input
            ref={picker}
            type="file"
            accept={ACCEPT}
            multiple
            hidden
            aria-label="Image file"
            onChange={(event) => {
              void attach([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
          {children}
        </div>
        {busy ? (
          <button type="button" className="btn-ghost shrink-0" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="btn-primary shrink-0" disabled={!canSend}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}

/** Before sending: a model that cannot see images is not sent them; for one nobody knows about, the person is asked once. */
function ImageSupportNote({ support, count }: { support: ImageSupport; count: number }) {
  const them = count === 1 ? 'the image' : 'the images';
  if (support.takesImages === false) {
    return (
      <p role="note" aria-label="Images" className="muted px-2 pt-1 text-xs">
        {support.model} does not take images: {them} will stay in the chat but will not be sent to it. Pick a model that takes images to send {count === 1 ? 'it' : 'them'}.
      </p>
    );
  }
  if (support.takesImages === undefined) {
    return (
      <p role="note" aria-label="Images" className="px-2 pt-1 text-xs">
        Does {support.model} take images? The model server does not say.{' '}
        <button type="button" className="btn-ghost px-1.5 py-0 text-xs" onClick={() => support.remember(true)}>
          It does
        </button>{' '}
        <button type="button" className="btn-ghost px-1.5 py-0 text-xs" onClick={() => support.remember(false)}>
          It does not
        </button>
      </p>
    );
  }
  return null;
}
