import type { ProgramSettings } from '../storage/programs.ts';

export const defaultProgramSettings: ProgramSettings = {
  expiringNotifications: { unitsDaysBefore: 7, couponsDaysBefore: 7, tiersDaysBefore: 7 },
  members: {
    identifiers: {
      email: { required: false, unique: true },
      phone: { required: false, unique: true },
      cardId: { required: false, unique: true },
    },
    matchingPriority: ['cardId', 'phone', 'email'],
    cardIdPattern: '##########',
    activationCodeTtlMinutes: 24 * 60,
    activationMaxAttempts: 5,
    passwordResetTtlMinutes: 60,
    anniversaryReminderDaysBefore: 7,
  },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ProgramSettingsPatch = DeepPartial<ProgramSettings>;

/**
 * Settings arrive partially on create and update; missing parts keep their current value.
 * Settings stored before a newer setting existed get its default.
 */
export function mergeProgramSettings(current: ProgramSettings, patch: ProgramSettingsPatch | undefined): ProgramSettings {
  const base = { ...defaultProgramSettings, ...current };
  const members = { ...defaultProgramSettings.members, ...base.members, ...patch?.members };
  const identifiers = { ...defaultProgramSettings.members.identifiers, ...base.members?.identifiers };
  for (const name of ['email', 'phone', 'cardId'] as const) {
    identifiers[name] = { ...identifiers[name], ...patch?.members?.identifiers?.[name] };
  }
  return {
    expiringNotifications: { ...base.expiringNotifications, ...patch?.expiringNotifications },
    members: { ...members, identifiers } as ProgramSettings['members'],
  };
}
