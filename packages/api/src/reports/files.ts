import type { CustomerReport, DailyReport, ManagerReport, PipelineReport, ReportScope } from '@cc/services';
import { mediaTypes } from '../http/negotiate';
import { toCsv } from './csv';
import { customerRows, dailyRows, managerRows, pipelineRows } from './tables';

/** A report as a CSV download: the text (UTF-8 with a byte-order mark) and the file name it is saved under. */
export interface CsvFile {
  text: string;
  fileName: string;
}

const fileName = (report: string, scope: Pick<ReportScope, 'branchId' | 'managerId'>, ...parts: string[]) =>
  `${[report, scope.managerId ?? scope.branchId, ...parts].join('-').replace(/[^\w.-]+/g, '_')}.csv`;

/** Each report as the CSV file the API and the console both answer. */
export const reportCsv = {
  daily: (r: DailyReport): CsvFile => ({
    text: toCsv(dailyRows(r)),
    fileName: fileName('daily', r.scope, r.from, r.to),
  }),
  managers: (r: ManagerReport): CsvFile => ({
    text: toCsv(managerRows(r)),
    fileName: fileName('managers', r.scope, r.month),
  }),
  pipeline: (r: PipelineReport): CsvFile => ({
    text: toCsv(pipelineRows(r)),
    fileName: fileName('pipeline', r.scope, r.from, r.to),
  }),
  customers: (r: CustomerReport): CsvFile => ({
    text: toCsv(customerRows(r)),
    fileName: fileName('customers', r.scope, r.window.to),
  }),
};

/** The Content-Disposition of a download. */
export const attachment = (file: CsvFile) => `attachment; filename="${file.fileName}"`;

/** The headers of a download served outside the API's routes (the console): what the API answers with. */
export const downloadHeaders = (file: CsvFile) => ({
  'content-type': `${mediaTypes.csv}; charset=utf-8`,
  'content-disposition': attachment(file),
});
