import type { ProgramSettings } from '../storage/programs.ts';

export const defaultProgramSettings: ProgramSettings = {
  expiringNotifications: { unitsDaysBefore: 7, couponsDaysBefore: 7, tiersDaysBefore: 7 },
};

/** Settings arrive partially on create and update; missing parts keep their current value. */
export function mergeProgramSettings(
  current: ProgramSettings,
  patch: { expiringNotifications?: Partial<ProgramSettings['expiringNotifications']> } | undefined,
): ProgramSettings {
  return {
    expiringNotifications: { ...current.expiringNotifications, ...patch?.expiringNotifications },
  };
}
