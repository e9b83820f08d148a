export const handler = async (): Promise<void> => { throw new Error('placeholder: replaced by the lead'); };
