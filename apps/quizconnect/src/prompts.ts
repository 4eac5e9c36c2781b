/**
 * quizconnect's prompts: the files in its prompt folder (`prompt_path`). Both flows declare them in `setup({ prompts })`,
 * so a misspelt `play('welcom_caller.wav')` does not compile; test/app-prompts.test.ts checks each one is in prompts/.
 */
export const quizPrompts = ['welcome_caller.wav', 'welcome_callee.wav', 'sorry_pin_wrong.wav'] as const;
export type QuizPrompt = (typeof quizPrompts)[number];
