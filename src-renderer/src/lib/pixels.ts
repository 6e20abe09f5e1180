// Drawing 28×28 grey example images on a canvas.
import type { Attachment } from 'svelte/attachments';

/** Decode base64 (as ExampleImage.pixelsBase64 carries it) into bytes. */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Create an attachment that draws grey bytes (0 = black, row-major) onto its canvas. The
 * image is inverted, so the garment is dark on white like a printed figure.
 */
export function drawGrey(
  pixelsBase64: string,
  width: number,
  height: number,
): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const context = canvas.getContext('2d');
    if (!context) return;
    const grey = decodeBase64(pixelsBase64);
    const image = context.createImageData(width, height);
    for (let i = 0; i < width * height; i += 1) {
      const value = 255 - (grey[i] ?? 0);
      image.data.set([value, value, value, 255], i * 4);
    }
    context.putImageData(image, 0, 0);
  };
}
