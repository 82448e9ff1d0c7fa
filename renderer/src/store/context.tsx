import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { WorkbenchActions, WorkbenchState, WorkbenchStore } from './store';

export const StoreContext = createContext<WorkbenchStore | undefined>(undefined);

function useStoreApi(): WorkbenchStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('the workbench store is missing');
  return store;
}

/** Selects from the store; select raw slices and derive with useMemo (no new objects in selectors). */
export function useWorkbench<T>(selector: (state: WorkbenchState) => T): T {
  return useStore(useStoreApi(), selector);
}

export function useActions(): WorkbenchActions {
  return useStoreApi().actions;
}
