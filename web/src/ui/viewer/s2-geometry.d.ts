/** The part of s2-geometry (CommonJS, no types of its own) that place-name.ts uses. */
declare module 's2-geometry' {
  const s2: {
    S2: {
      /** The S2 cell of a point at `level`, as a face-and-position key ("4/032212303102"). */
      latLngToKey(lat: number, lng: number, level: number): string;
      /** The keys of the four cells around that cell. */
      latLngToNeighborKeys(lat: number, lng: number, level: number): string[];
    };
  };
  export default s2;
}
