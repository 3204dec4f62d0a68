// The reader's own images: a drawing pad (white strokes on black, as Fashion-MNIST's objects are light on a
// dark ground) and any picture dropped on the page or opened from disk, each reduced to the dataset's 28x28
// gray uint8 layout by the browser's canvas. A picture whose border is mostly light (a product photo on white)
// is inverted, since the model has only seen dark grounds; the page says when it did.

/** Gray uint8 pixels (row-major, h x w) of `source` scaled to w x h; `invert` flips 0..255. */
export function canvasToPixels(
  source: CanvasImageSource,
  w: number,
  h: number,
  invert: boolean | 'auto',
): { pixels: Uint8Array; inverted: boolean } {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(source, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const pixels = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    // ITU-R BT.601 luma, as most image libraries convert to gray.
    pixels[i] = Math.round(0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!);
  }
  let flip = invert === true;
  if (invert === 'auto') {
    let sum = 0;
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (y === 0 || x === 0 || y === h - 1 || x === w - 1) {
          sum += pixels[y * w + x]!;
          n++;
        }
      }
    }
    flip = sum / n > 127;
  }
  if (flip) for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
  return { pixels, inverted: flip };
}

/** Draws gray pixels (h x w) into `canvas`, scaled up without smoothing. */
export function paintPixels(canvas: HTMLCanvasElement, pixels: Uint8Array, w: number, h: number): void {
  const small = document.createElement('canvas');
  small.width = w;
  small.height = h;
  const sctx = small.getContext('2d')!;
  const img = sctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i]!;
    img.data[4 * i + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** A drawing pad on `canvas`: calls `onDone` with the drawing after every stroke. */
export function attachDrawPad(
  canvas: HTMLCanvasElement,
  onDone: (canvas: HTMLCanvasElement) => void,
): () => void {
  const ctx = canvas.getContext('2d')!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * canvas.width) / r.width,
      y: ((e.clientY - r.top) * canvas.height) / r.height,
    };
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last === null) return;
    const p = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    if (last === null) return;
    last = null;
    onDone(canvas);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return clear;
}

/** Calls `onImage` with every image file dropped on `zone` or chosen in `input`. */
export function attachImageDrop(
  zone: HTMLElement,
  input: HTMLInputElement,
  onImage: (img: HTMLImageElement, name: string) => void,
  onError: (message: string) => void,
): void {
  const load = (file: File) => {
    if (!file.type.startsWith('image/')) {
      onError(
        `${file.name}: not an image (type ${file.type || 'unknown'}); drop a PNG, JPEG, GIF or WebP file`,
      );
      return;
    }
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => {
      onImage(img, file.name);
      URL.revokeObjectURL(url);
    };
    img.onerror = () => {
      onError(`${file.name}: the browser could not decode this image`);
      URL.revokeObjectURL(url);
    };
    img.src = url;
  };
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file !== undefined) load(file);
  });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file !== undefined) load(file);
  });
}
