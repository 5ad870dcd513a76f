// Hash routes (#/, #/item/50, #/admin, #/welcome): the server serves one page at / and the
// browser's back button works without server-side routes.
import { useEffect, useState } from "react";

export type Route = { page: "shop" } | { page: "item"; id: string } | { page: "admin" } | { page: "welcome" };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const item = /^\/item\/(.+)$/.exec(path);
  if (item) return { page: "item", id: decodeURIComponent(item[1]) };
  if (path === "/admin") return { page: "admin" };
  if (path === "/welcome") return { page: "welcome" };
  return { page: "shop" };
}

export function href(route: Route): string {
  switch (route.page) {
    case "item":
      return `#/item/${encodeURIComponent(route.id)}`;
    case "admin":
      return "#/admin";
    case "welcome":
      return "#/welcome";
    default:
      return "#/";
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
