import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

export function useInvalidate(): (...keys: (readonly unknown[])[]) => void {
  const client = useQueryClient();
  return useCallback(
    (...keys: (readonly unknown[])[]) => {
      for (const queryKey of keys) void client.invalidateQueries({ queryKey });
    },
    [client],
  );
}
