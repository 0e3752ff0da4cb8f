/**
 * A place name for a photo's coordinates, found on this device: offline-geocode-city's table of
 * cities by S2 cell (level 8, cells about 30–40 km across; one city per cell), loaded only when
 * the info panel shows a photo with coordinates (photo-info.ts imports this module lazily), so
 * no coordinate leaves the device and the first screen does not download the table.
 *
 * Only the photo's own cell and the four around it are looked at. The package's getNearestCity
 * would go on walking from cell to cell when those are empty: out at sea it overflows the stack,
 * and near the South Pole it answers a town in Peru. Nothing near: no name.
 */
import { getBaseDataCities } from 'offline-geocode-city';
import s2 from 's2-geometry';

const LEVEL = 8;
let cities: ReturnType<typeof getBaseDataCities> | undefined;

/**
 * offline-geocode-city 1.0.2 files the first country of its table (Afghanistan) under the
 * second (Aland Islands, which has no city of its own there: Mariehamn is filed under Finland).
 */
const countryFix: Record<string, string> = { 'Aland Islands': 'Afghanistan' };

/** "City, Country" for the point, or undefined when no city of the table is within a cell or so. */
export function placeName(lat: number, lon: number): string | undefined {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  cities ??= getBaseDataCities();
  const keys = [s2.S2.latLngToKey(lat, lon, LEVEL), ...s2.S2.latLngToNeighborKeys(lat, lon, LEVEL)];
  for (const key of keys) {
    const row = cities[key];
    if (!row) continue;
    const [city, , country] = row.map(String);
    return `${city}, ${countryFix[country!] ?? country}`;
  }
  return undefined;
}
