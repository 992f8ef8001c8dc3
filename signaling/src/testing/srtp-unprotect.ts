import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';

const TAG_BYTES = 10;

/** RFC 3711 §4.3 key derivation (key derivation rate 0): AES-CM keystream of the master key at IV = salt ^ label. */
function derive(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv);
  iv[7]! ^= label;
  return createCipheriv('aes-128-ctr', masterKey, iv).update(Buffer.alloc(length));
}

/**
 * What a decoder box does with the SFU's key (AES_CM_128_HMAC_SHA1_80): checks each SRTP packet's tag and decrypts
 * its payload, so a test proves the stream is SRTP under exactly the key the SFU handed out. Tracks the rollover
 * counter per SSRC from sequence wrap-arounds; answers undefined for a packet that fails authentication.
 */
export function srtpUnprotector(keyBase64: string): (packet: Buffer) => Buffer | undefined {
  const master = Buffer.from(keyBase64, 'base64');
  const [masterKey, masterSalt] = [master.subarray(0, 16), master.subarray(16, 30)];
  const encKey = derive(masterKey, masterSalt, 0, 16);
  const authKey = derive(masterKey, masterSalt, 1, 20);
  const salt = derive(masterKey, masterSalt, 2, 14);
  const rollover = new Map<number, { roc: number; lastSeq: number }>();
  return (packet) => {
    if (packet.length < 12 + TAG_BYTES) return undefined;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const state = rollover.get(ssrc) ?? { roc: 0, lastSeq: seq };
    const roc = seq < 0x1000 && state.lastSeq > 0xf000 ? state.roc + 1 : state.roc;
    const authenticated = packet.subarray(0, packet.length - TAG_BYTES);
    const rocBytes = Buffer.alloc(4);
    rocBytes.writeUInt32BE(roc);
    const tag = createHmac('sha1', authKey).update(authenticated).update(rocBytes).digest().subarray(0, TAG_BYTES);
    if (!timingSafeEqual(tag, packet.subarray(packet.length - TAG_BYTES))) return undefined;
    rollover.set(ssrc, { roc, lastSeq: seq });
    let headerBytes = 12 + (packet[0]! & 0x0f) * 4;
    if (packet[0]! & 0x10) headerBytes += 4 + packet.readUInt16BE(headerBytes + 2) * 4;
    // Packet IV (§4.1.1): session salt ^ SSRC ^ packet index (rollover counter and sequence number), shifted 16 bits.
    const iv = Buffer.alloc(16);
    salt.copy(iv);
    for (let i = 0; i < 4; i++) iv[4 + i]! ^= packet[8 + i]!;
    for (let i = 0; i < 4; i++) iv[8 + i]! ^= rocBytes[i]!;
    iv[12]! ^= packet[2]!;
    iv[13]! ^= packet[3]!;
    const payload = createCipheriv('aes-128-ctr', encKey, iv).update(authenticated.subarray(headerBytes));
    return Buffer.concat([authenticated.subarray(0, headerBytes), payload]);
  };
}
