import { unzlibSync } from 'fflate';

/** A decoded 8-bit PNG: `channels` bytes per pixel (3 RGB, 4 RGBA), rows top to bottom. */
export interface Image {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly pixels: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a non-interlaced 8-bit RGB or RGBA PNG (what Chromium's screenshots are). */
export function decodePng(png: Buffer): Image {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = unzlibSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x += 1) {
      const a = x >= channels ? (out[x - channels] ?? 0) : 0;
      const b = up[x] ?? 0;
      const c = x >= channels ? (up[x - channels] ?? 0) : 0;
      const value = line[x] ?? 0;
      if (filter === 0) out[x] = value;
      else if (filter === 1) out[x] = value + a;
      else if (filter === 2) out[x] = value + b;
      else if (filter === 3) out[x] = value + ((a + b) >> 1);
      else if (filter === 4) out[x] = value + paeth(a, b, c);
      else throw new Error(`bad PNG filter ${filter}`);
    }
  }
  return { width, height, channels, pixels };
}

/** How many pixels are within `tolerance` (per channel) of the colour `#rrggbb`. */
export function countColour(image: Image, hex: string, tolerance = 8): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  let count = 0;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    if (Math.abs((image.pixels[i] ?? 0) - r) <= tolerance && Math.abs((image.pixels[i + 1] ?? 0) - g) <= tolerance && Math.abs((image.pixels[i + 2] ?? 0) - b) <= tolerance) count += 1;
  }
  return count;
}

/** The share of pixels that are not (near) white: 0 for a blank page. */
export function inkRatio(image: Image): number {
  let ink = 0;
  const total = image.width * image.height;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    if ((image.pixels[i] ?? 255) < 235 || (image.pixels[i + 1] ?? 255) < 235 || (image.pixels[i + 2] ?? 255) < 235) ink += 1;
  }
  return total === 0 ? 0 : ink / total;
}
