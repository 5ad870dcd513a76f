// Admin guard: admin mutations need the configured API key.
import { AppError } from "../errors";
import type { ApiContext } from "./context";

export function apiKeyFromHeaders(get: (name: string) => string | undefined): string | undefined {
  const direct = get("x-api-key");
  if (direct) return direct;
  const authorization = get("authorization");
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match ? match[1].trim() : undefined;
}

export function requireAdmin(context: ApiContext): void {
  const configured = context.services.adminApiKey;
  if (!configured) throw new AppError("FORBIDDEN", "admin operations are disabled on this server (ADMIN_API_KEY is not set)");
  if (!context.apiKey) throw new AppError("UNAUTHENTICATED", "admin operation: send the API key in the x-api-key header (or Authorization: Bearer <key>)");
  if (!safeEqual(context.apiKey, configured)) throw new AppError("FORBIDDEN", "the API key is not valid for admin operations");
}

function safeEqual(a: string, b: string): boolean {
  // Constant-time comparison of equal-length strings; length differences leak only the length.
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
