/**
 * Rooms: a map from room id to the peers currently joined. A room exists only while it has
 * peers, so memory follows live connections. The verified public key is kept with the room
 * so later joins skip re-importing it. Rooms the server's admin enrolled are not counted
 * towards max-rooms (nor their creator's per-IP room limit): strangers filling the server with
 * rooms of their own cannot lock a family out (docs/signal-server.md "Enrolment").
 */
import type { KeyObject } from 'node:crypto';
import type { Conn } from './conn.ts';

export interface Room {
  readonly id: string;
  readonly key: KeyObject;
  readonly peers: Map<string, Conn>;
  /** The address charged for creating it (per-IP room limit), if per-IP limits applied. */
  creatorIp: string | undefined;
  /** Enrolled (with enrolment on): exempt from the room limits. */
  enrolled: boolean;
}

export class Rooms {
  private readonly rooms = new Map<string, Room>();
  private peerCount = 0;
  private unenrolledCount = 0;

  get size(): number {
    return this.rooms.size;
  }

  /** Rooms that count towards max-rooms: those not enrolled. */
  get unenrolled(): number {
    return this.unenrolledCount;
  }

  get peers(): number {
    return this.peerCount;
  }

  get(id: string): Room | undefined {
    return this.rooms.get(id);
  }

  /** Adds `conn` as `peer`, creating the room if needed. The caller checked every limit. */
  add(id: string, key: KeyObject, peer: string, conn: Conn, enrolled = false): Room {
    let room = this.rooms.get(id);
    if (!room) {
      room = { id, key, peers: new Map(), creatorIp: conn.ipLimited && !enrolled ? conn.ip : undefined, enrolled };
      this.rooms.set(id, room);
      if (!enrolled) this.unenrolledCount++;
    }
    room.peers.set(peer, conn);
    this.peerCount++;
    conn.room = room;
    conn.peer = peer;
    return room;
  }

  /** Removes `conn` from its room (if it is still the one registered under its peer id). */
  remove(conn: Conn): Room | undefined {
    const room = conn.room;
    if (!room || conn.peer === undefined) return undefined;
    if (room.peers.get(conn.peer) === conn) {
      room.peers.delete(conn.peer);
      this.peerCount--;
    }
    if (room.peers.size === 0 && this.rooms.delete(room.id) && !room.enrolled) this.unenrolledCount--;
    conn.room = undefined;
    return room;
  }

  /** A room let in unenrolled was enrolled by a later join: it stops counting towards the limits. */
  markEnrolled(room: Room): void {
    if (room.enrolled) return;
    room.enrolled = true;
    if (this.rooms.get(room.id) === room) this.unenrolledCount--;
  }

  *all(): IterableIterator<Room> {
    yield* this.rooms.values();
  }
}
